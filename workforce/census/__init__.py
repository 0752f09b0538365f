"""The DfE children's social work workforce census return (CSWW, ``shared/spec/csww.md``):
writing it from a drop (``produce``), reading and checking any year's return (``check``),
the XML itself and the project's XML Schemas (``xml_io``, ``schemas/``), and the
``workforce census`` command (``cli``). Grain: one return per census year and authority.
"""
