"""Post-call QA: an automatic scorecard per call an agent took, reviewed and coached by QA managers.

The score is a pure function of the stored transcript, a few facts about the call (hold time, when
the agent joined) and the compliance engine's findings over that transcript (:mod:`.scoring`); a
Celery job (:mod:`.tasks`) computes it when the call ends and again while late segments arrive,
until a QA manager marks it reviewed. Overrides never replace the automatic values: both are kept.
"""
