"""One module per node of the summarization graph, named as the node is."""
