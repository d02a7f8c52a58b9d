"""Weaver e-cology 9 endpoints and paging (docs/sources/oa.md)."""

REGIST_PATH = "/api/ec/dev/auth/regist"
TOKEN_PATH = "/api/ec/dev/auth/applytoken"
LIST_PATH = "/api/workflow/paService/getAllWorkflowRequestList"
DETAIL_PATH = "/api/workflow/paService/getWorkflowRequest"
CREATE_PATH = "/api/workflow/paService/doCreateRequest"
PAGE_SIZE = 1000
TOKEN_SECONDS = 1800
