"""A district hosting the assistant for its clusters: accounts, each account's own data folder, the review
states of a report (提交 / 退回 / 审核通过) and the audit log. Headless: the server and the CLI both use it."""
