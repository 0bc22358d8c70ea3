module scnetbot

go 1.26.0
