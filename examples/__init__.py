"""What a user brings: functions of one's own to fan out (``tasks.py``), and apps of one's own
to serve and load (``yourapp/``, docs/yourapp.md)."""
