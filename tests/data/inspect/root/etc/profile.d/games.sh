export PATH=$PATH:/usr/local/games
