"""Signatures: machine keys, SSHSIG, allowed_signers files, signed checkpoints and anchors.

Nothing here touches the ledger: these modules make and check signatures over
bytes and texts, and the store (checkpoints) and the lifecycle (approvals)
call them. See :mod:`.sshsig` for the signature format, :mod:`.machine` for
each writing machine's own key, :mod:`.allowed` for who is trusted, and
:mod:`.approvals` for which approvals count.
"""
