"""The demo factory (generator/) and its source systems (server/): a tool around the
product. It imports the source contract (extractors/contract.py); the product never imports
it, only the app's generate, simulate, demo and validate-dataset commands do."""
