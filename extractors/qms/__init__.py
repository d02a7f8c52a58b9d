"""QMS: our plant REST API in ISA-95 terms, spoken by extractors._http.rest (docs/sources/qms.md).

The protocol is shared with the MES production API, so this package holds no client of
its own; extractors.clients.build_client builds a RestApiClient for it (README.md).
"""
