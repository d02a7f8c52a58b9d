"""The bottom layer every package may import: settings (perfchain.yaml and the
environment), errors a user can act on, the progress hook, and the reader of the published
file. It imports no other perfchain package (tests/test_layers.py)."""
