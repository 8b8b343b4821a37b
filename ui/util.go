package ui

import (
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func widthOf(s string) int { return ansi.StringWidth(s) }

// human formats a count compactly: 999, 1.2k, 34k, 5.6M, 7.8G.
func human(n int64) string {
	switch {
	case n < 0:
		return "-" + human(-n)
	case n < 10000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	case n < 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n < 1_000_000_000:
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1fG", float64(n)/1e9)
}

// num is an int64 as text, with "" for zero when blankZero.
func num(n int64) string { return strconv.FormatInt(n, 10) }

// sparkline draws values as block characters, newest last, scaled to the max.
func sparkline(vals []float64, width int) string {
	const bars = "▁▂▃▄▅▆▇█"
	runes := []rune(bars)
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	var hi float64
	for _, v := range vals {
		hi = max(hi, v)
	}
	out := make([]rune, 0, width)
	for _, v := range vals {
		i := 0
		if hi > 0 {
			i = int(v / hi * float64(len(runes)-1))
		}
		out = append(out, runes[min(max(i, 0), len(runes)-1)])
	}
	return string(out)
}

func secs(s int64) time.Duration { return time.Duration(s) * time.Second }
