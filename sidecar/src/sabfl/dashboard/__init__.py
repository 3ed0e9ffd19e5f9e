"""`sabfl dashboard`: a live web page over the chain's public queries and events, the sidecars' metrics
endpoints and the participants' roster files — nothing else."""
