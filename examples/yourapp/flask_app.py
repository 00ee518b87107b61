"""A Flask app of your own: ``/fanout?n=4`` runs ``n`` digests on ``n`` threads; ``/ping`` is light.

python -m servers --app examples.yourapp.flask_app:app
"""

from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request

from .work import MOST, digest

app = Flask(__name__)


@app.get("/fanout")
def fanout() -> dict[str, list[str]]:
    n = min(max(request.args.get("n", 4, type=int) or 1, 1), MOST)
    with ThreadPoolExecutor(n) as pool:
        return {"digests": list(pool.map(digest, range(n)))}


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"message": "pong"}
