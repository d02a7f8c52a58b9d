"""Salesforce REST endpoints and paging (docs/sources/crm.md)."""

API_VERSION = "66.0"
TOKEN_PATH = "/services/oauth2/token"
# Sforce-Query-Options batchSize: 200–2,000; Salesforce treats it as a hint.
BATCH_SIZE = 2000
