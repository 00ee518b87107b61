"""A FastAPI app of your own: ``/fanout?n=4`` gathers ``n`` digests, each on a thread of its
own, so the event loop stays free for ``/ping``.

python -m servers --app examples.yourapp.fastapi_app:app
"""

import asyncio

from fastapi import FastAPI, Query

from .work import MOST, digest

app = FastAPI()


@app.get("/fanout")
async def fanout(n: int = Query(4, ge=1, le=MOST)) -> dict[str, list[str]]:
    return {"digests": list(await asyncio.gather(*(asyncio.to_thread(digest, i) for i in range(n))))}


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"message": "pong"}
