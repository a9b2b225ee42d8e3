# The scripts here are child processes of tests/test_multidevice.py: each sets
# XLA_FLAGS / KERAS_BACKEND before importing its framework, so pytest must not
# import them (``--doctest-modules`` would).
collect_ignore_glob = ["*.py"]
