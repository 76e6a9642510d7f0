"""Running the notebooks: discovery, parameters, the plan and its cache, kernels, execution, staged publishing
and output stripping. Built on ``reporting`` (pages and index) and the ground floor; never on ``analyses``."""
