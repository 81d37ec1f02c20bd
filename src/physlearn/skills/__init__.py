"""Physics of Skill Learning (Liu, Liu, Michaud, Gore, Tegmark 2025): the Geometry, Resource
and Domino models, the real-network experiments (sparse parity, grokking, modularity) and the
scaling-law fits. Spec: shared/papers/skills.md."""
