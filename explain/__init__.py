"""What a person sees: views of an explanation, the applications, the website and the command line.

Layers, top to bottom (enforced by import-linter): ``cli`` → ``commands`` → ``apps`` → ``website``
→ ``views`` | ``search`` → ``io``. Every module here may import ``engine``; nothing in ``engine``
imports ``explain``.
"""
