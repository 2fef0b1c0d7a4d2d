"""Signs one WorkSpaces/CloudTrail request with SigV4 and prints a wrk Lua script that replays it
(a signature stays valid for 15 minutes, so a signed request can be replayed)."""
import json
import sys

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest


def signed(url, target, body, key="test", secret="test", region="us-east-1", service="workspaces"):
    req = AWSRequest(method="POST", url=url + "/", data=body.encode(),
                     headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), service, region).add_auth(req)
    return {k: v for k, v in req.prepare().headers.items()}


def lua_replay(url, target, body, **kw):
    headers = signed(url, target, body, **kw)
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lines.append(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v if isinstance(v, str) else v.decode())}')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    url, target, body = sys.argv[1:4]
    sys.stdout.write(lua_replay(url, target, body))
