"""The only package that talks SQL: the schema (one definition), migrations, and the queries."""
