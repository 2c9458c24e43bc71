"""The reference server (motionmcp-sdk 0.13.0) as an importable ASGI app, for scripts/bench.

uvicorn needs an import string to start several workers, so this module builds the app at import
time. It serves the same two models as the Swift server started by scripts/bench
(`--null null --null big=<spec>`):

  null  the default NullBackbone (5-joint canonical skeleton);
  big   a NullBackbone whose spec also says supports_retargeting: true, so that a request may bring
        its own rig (scripts/bench sends a 53-joint one). Its spec file for the Swift server holds
        just that field; nothing else differs from the default.

Run:  uvicorn reference_app:app --app-dir Benchmarks --workers 2
"""

from motionmcp import build_app
from motionmcp.null_backbone import NullBackbone


class RetargetingNull(NullBackbone):
    """NullBackbone advertising supports_retargeting (the only change)."""

    def capabilities(self):
        return super().capabilities().model_copy(update={"supports_retargeting": True})


app = build_app([NullBackbone(), RetargetingNull(model_id="big")])
