"""``insolegen serve``: a lab's orders over HTTP, durable in a database, designed on the batch's
engine. models (the tables), database (engine and migrations), blobs (content-addressed files),
auth (people, passwords, tokens), orders (what may happen to an order, and the audit trail),
jobs (designing a revision in worker processes or on Dask), app (the HTTP routes)."""
