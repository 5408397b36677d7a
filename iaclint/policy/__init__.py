"""Rules stage: rule files, the check language, and the engine that runs them."""
