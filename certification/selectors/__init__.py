"""Reads of the certification workflow, one module per concern; each is named for who it
serves (`…_for_office`, `…_of_organization`, `public_…`) and bounds its queries."""
