"""The exercise content: the shipped files, their schema, the loader, the in-memory catalog."""
