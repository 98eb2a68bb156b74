"""Statutory returns built from the case record: the DfE Children in Need census and Ofsted's
Annex A list of children subject to a child protection plan.

Both read the write model (the child's own stream holds identity), never the views: views hold
no personal data, and a return must reflect the record itself. See docs/returns.md for how each
field is derived.
"""
