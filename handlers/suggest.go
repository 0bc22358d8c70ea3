package handlers

import (
	"strings"
	"unicode/utf8"

	"scnetbot/scnet"
)

// minPrefix is the shortest word read as an abbreviation ("run" for
// running); shorter prefixes match too many ordinary name words.
const minPrefix = 3

// suggest returns the status or task type a word most likely meant, or ""
// when the word is best read as a name word. A word is a likely misspelling
// when it is the start of a keyword ("runn") or within a small edit distance
// of one: 1 for words of up to 4 characters and 2 for longer ones, so short
// name words such as "gpt" or "llm" are not mistaken for "ssh".
func suggest(word string) string {
	w := strings.ToLower(word)
	n := utf8.RuneCountInString(w)
	if n < 2 {
		return ""
	}
	maxDist := 1
	if n > 4 {
		maxDist = 2
	}
	best, bestDist := "", maxDist+1
	for _, k := range keywords() {
		if n >= minPrefix && strings.HasPrefix(k, w) {
			return k
		}
		if d := editDistance(w, k, maxDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// keywords are the words a list query reads as a filter, lower case.
func keywords() []string {
	var ks []string
	for _, s := range scnet.Statuses() {
		ks = append(ks, statusWord(s))
	}
	for _, t := range scnet.TaskTypes() {
		ks = append(ks, string(t))
	}
	return ks
}

// editDistance is the Levenshtein distance between a and b in runes,
// stopping early with limit+1 once the distance must exceed limit (user
// input is bounded, but there is no reason to fill a whole matrix).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
