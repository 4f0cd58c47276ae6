# libtcg/: the dynamic binary translator (libtcg.la, shared).
