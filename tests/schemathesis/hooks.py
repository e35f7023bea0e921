"""Keeps the run away from its own account: the run authenticates as that admin, and a
generated request that changed its password or deleted it would leave every later request
a 401, testing nothing."""

import os

import schemathesis

RUN_USERNAME = os.environ["ROSTER_RUN_USERNAME"].strip().lower()
RUN_USER_ID = os.environ["ROSTER_RUN_USER_ID"].lower()


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters or {}
    if str(params.get("username", "")).strip().lower() == RUN_USERNAME:
        params["username"] = "someone-else"
    if str(params.get("userId", "")).lower() == RUN_USER_ID:
        params["userId"] = "00000000-0000-4000-8000-000000000001"
