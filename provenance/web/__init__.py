"""The read-only web view of the ledger (``provenance serve``), for editors and producers.

:mod:`.app` builds the Flask application; :mod:`.routes` holds its pages;
:mod:`.search`, :mod:`.asset_page` and :mod:`.dashboard` gather what each page
shows from the ledger; :mod:`.thumbs` makes and caches thumbnails;
:mod:`.guard` decides who is answered and sets the security headers. The
templates autoescape every value, and every static asset (htmx, the
hash-wasm hasher) is vendored in ``static/``, so the view works offline.
"""
