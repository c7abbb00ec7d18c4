"""Versions of the likeness rules whose answers the ledger keeps.

The region check (:mod:`provenance.likeness.regions`) is costly, so its
answers are stored and reused: a picture's check (``ledger.regions``) and a
video's sweep (``ledger.segments``) stay current while no generated picture
was described since. But an answer is only as good as the rule that gave it:
under the rule before the inliers' span (``MIN_SPAN``), a shared word, logo
or prop was a match, and such a stored check would have gone on blocking the
picture. So every stored answer says which version of the rule made it, and
one made by an older version is made again (by the deferred stage and the
audit), never reused nor named by ``history`` or ``ls --looks-like``
(migration 0013, which gives the rows stored before it version 1). A sweep's
version is :data:`SWEEP_RULE`, which is never below the region rule's.

This module holds only the numbers, so that what reads the stored answers
(``history``, the web view) does not load OpenCV and faiss to know them.
"""

from __future__ import annotations

# Raise it with any change that can turn an answer of the region rule: a threshold,
# a check, the features compared. 1: before MIN_SPAN; 2: with it (6 %); 3: two passes
# (votes, then exact pairing) in indexes past regions.TWO_PASS_MIN descriptors.
REGION_RULE = 3
# A video's sweep (``ledger.segments``) answers with near matches too: its version follows
# the region rule's, one above it since near matches beyond the sure distance are confirmed
# by the region rule (provenance.likeness.confirm); raise the step with any change to the
# near matches a sweep keeps.
SWEEP_RULE = REGION_RULE + 1
