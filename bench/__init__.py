"""The benchmark: seed a realistic data set, serve the API, load it with wrk, compare the
endpoints' throughput with a bare FastAPI route served the same way (`python -m bench`)."""
