"""DPoP (RFC 9449): Bearer clients' tokens bound to a key the client holds; a copied token is useless elsewhere."""
