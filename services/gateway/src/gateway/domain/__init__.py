"""The gateway's pure read-model logic: how ticket events become the documents clients read."""
