"""The domains, one package each: the rules of SPEC.md, callable without HTTP."""
