class XapiValidationError(ValueError):
    """xAPI content that breaks the spec.

    `errors` lists every problem found, each starting with the JSON path it concerns, e.g.
    ``statement[3].actor: exactly one of mbox, mbox_sha1sum, openid, account is required``.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))
