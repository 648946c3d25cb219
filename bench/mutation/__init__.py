"""Mutation testing of the grader: an AST mutator, the targets, grading and classification."""
