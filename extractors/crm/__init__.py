"""CRM extractor: Salesforce REST (docs/sources/crm.md)."""

from extractors.crm.client import SalesforceClient, build_soql

__all__ = ["SalesforceClient", "build_soql"]
