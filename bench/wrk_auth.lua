-- wrk_auth.lua — wrk script for the GET benchmark: every request carries the login token
-- that bench/run.py passes in the PF_TOKEN environment variable.
wrk.headers["x-pf-authorization"] = os.getenv("PF_TOKEN")
