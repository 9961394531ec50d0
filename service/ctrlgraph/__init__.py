"""ctrlgraph: a cross-framework control-mapping knowledge graph service."""

__version__ = "0.1.0"
