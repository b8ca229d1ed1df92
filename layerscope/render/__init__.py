"""Renderers: ``ModelReport -> text | markdown | json | dot/svg/png | html``.

Each reads the report's data only and never imports Keras. Each output format has one
escaping helper (``layerscope.render.escape``) through which all user-named text passes.
"""
