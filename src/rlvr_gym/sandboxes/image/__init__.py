"""The runner image: a Dockerfile for machines with a registry, `build_image` for the rest."""

from rlvr_gym.sandboxes.image.build import DEFAULT_IMAGE, build_image, recipe_hash

__all__ = ["DEFAULT_IMAGE", "build_image", "recipe_hash"]
