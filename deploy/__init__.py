"""Kiln's own container image, built on a machine without a container registry.

`python -m deploy build` makes `kiln-base:bookworm` from Debian packages (debootstrap, then
`docker import`, as the sandbox images are made), `kiln-redis:bookworm` on it, and builds
the `Dockerfile` on the first, its pip set up as this machine's (index, CA bundle). Nothing
here runs inside the image: it is a tool of the machine that builds it.
"""
