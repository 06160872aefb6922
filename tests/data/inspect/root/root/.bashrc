# ~/.bashrc
# /tmp/.x/sksocks must not match: a comment
alias ll="ls -l"
