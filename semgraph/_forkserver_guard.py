"""Imported only by the indexer's forkserver (as a preload module): the forkserver dies with the server.

Never import this in the server itself: it would tie the server's life to its own parent.
"""

from semgraph.procguard import die_with_parent, mark_pool_parent

die_with_parent()
mark_pool_parent()  # the workers it forks check that this forkserver still lives
