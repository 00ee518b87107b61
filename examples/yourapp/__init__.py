"""Your own app, twice: a Flask app and a FastAPI app, each with a heavy endpoint that fans out
into independent functions (``/fanout?n=``) and a light one (``/ping``); docs/yourapp.md serves
them with ``python -m servers --app`` and loads them with ``python -m bench load --url``."""
