package ui

import (
	"image/color"
	"os"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// Palette selects how Styles uses colour.
type Palette int

// Palettes: Mono uses only bold, reverse and underline (NO_COLOR, dumb
// terminals); Color adapts to a dark or light background. The renderer
// downsamples truecolor to 256 or 16 colours for the terminal at hand.
const (
	PaletteColor Palette = iota
	PaletteMono
)

// Styles is every style the UI draws with, built once by NewStyles.
type Styles struct {
	Palette Palette
	Dark    bool
	Profile colorprofile.Profile

	Title       lipgloss.Style
	Badge       lipgloss.Style // RO badge
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	Banner      lipgloss.Style // stale-source banner
	ColHeader   lipgloss.Style
	Selected    lipgloss.Style
	Marked      lipgloss.Style
	Changed     lipgloss.Style // a row new or changed in the last seconds
	OK          lipgloss.Style
	Warn        lipgloss.Style // DRAIN, NOLB and other warnings
	Maint       lipgloss.Style // MAINT: out on purpose, neither DOWN's red nor DRAIN's yellow
	Bad         lipgloss.Style
	Muted       lipgloss.Style
	Footer      lipgloss.Style
	Error       lipgloss.Style
	Key         lipgloss.Style // key names in help and hints
	Dialog      lipgloss.Style
	Button      lipgloss.Style
	ButtonFocus lipgloss.Style
	Section     lipgloss.Style

	// cells caches the table cells drawn in these styles (see
	// styledCells); nil draws each anew.
	cells *styledCells
}

// NoColorRequested reports whether the environment asks for no colour
// (https://no-color.org: NO_COLOR set to anything non-empty) or the terminal
// is dumb.
func NoColorRequested() bool {
	return os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb"
}

// NewStyles builds the styles for a palette and background on a truecolor
// terminal.
func NewStyles(p Palette, dark bool) Styles { return NewStylesFor(p, dark, colorprofile.TrueColor) }

// NewStylesFor builds the styles for a palette, background and colour
// profile. The status colours (UP green, DRAIN yellow, MAINT magenta, DOWN
// red) are picked per profile, not left to downsampling: downsampled to 16
// colours, the yellows became DOWN's red.
func NewStylesFor(p Palette, dark bool, prof colorprofile.Profile) Styles {
	s := Styles{Palette: p, Dark: dark, Profile: prof, cells: newStyledCells()}
	base := lipgloss.NewStyle()
	if p == PaletteMono {
		s.Title = base.Bold(true)
		s.Badge = base.Reverse(true).Bold(true)
		s.TabActive = base.Reverse(true).Bold(true)
		s.TabInactive = base
		s.Banner = base.Reverse(true)
		s.ColHeader = base.Bold(true).Underline(true)
		s.Selected = base.Reverse(true)
		s.Marked = base.Bold(true)
		s.Changed = base.Underline(true)
		s.OK = base
		s.Warn = base.Bold(true)
		s.Maint = base.Bold(true)
		s.Bad = base.Bold(true).Underline(true)
		s.Muted = base
		s.Footer = base
		s.Error = base.Bold(true)
		s.Key = base.Bold(true)
		s.Dialog = base.Border(lipgloss.NormalBorder()).Padding(0, 1)
		s.Button = base
		s.ButtonFocus = base.Reverse(true).Bold(true)
		s.Section = base.Bold(true)
		return s
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	// status is a colour per profile: the basic ANSI colour (bright on
	// dark backgrounds), the 256-colour index, the truecolor value.
	complete := lipgloss.Complete(prof)
	status := func(ansiLight, ansiDark, c256Light, c256Dark, light, darkc string) color.Color {
		return complete(ld(lipgloss.Color(ansiLight), lipgloss.Color(ansiDark)),
			ld(lipgloss.Color(c256Light), lipgloss.Color(c256Dark)), c(light, darkc))
	}
	accent := c("#005f87", "#5fafff")
	green := status("2", "10", "22", "114", "#005f00", "#87d787")
	yellow := status("3", "11", "130", "221", "#af5f00", "#ffd75f")
	magenta := status("5", "13", "90", "177", "#870087", "#d787ff")
	red := status("1", "9", "124", "203", "#af0000", "#ff5f5f")
	muted := c("#6c6c6c", "#8a8a8a")
	selBG := c("#d0d0ff", "#3a3a5f")
	fg := c("#000000", "#eeeeee")
	s.Title = base.Bold(true).Foreground(accent)
	s.Badge = base.Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(red)
	s.TabActive = base.Bold(true).Foreground(fg).Background(selBG)
	s.TabInactive = base.Foreground(muted)
	s.Banner = base.Bold(true).Foreground(lipgloss.Color("#000000")).Background(yellow)
	s.ColHeader = base.Bold(true).Foreground(accent)
	s.Selected = base.Background(selBG).Foreground(fg)
	s.Marked = base.Bold(true).Foreground(accent)
	s.Changed = base.Bold(true)
	s.OK = base.Foreground(green)
	s.Warn = base.Foreground(yellow)
	s.Maint = base.Foreground(magenta)
	s.Bad = base.Bold(true).Foreground(red)
	s.Muted = base.Foreground(muted)
	s.Footer = base.Foreground(muted)
	s.Error = base.Bold(true).Foreground(red)
	s.Key = base.Bold(true).Foreground(accent)
	s.Dialog = base.Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Button = base.Foreground(muted)
	s.ButtonFocus = base.Bold(true).Reverse(true)
	s.Section = base.Bold(true).Foreground(accent)
	return s
}

// lipStyle is a short name for the style type in signatures.
type lipStyle = lipgloss.Style
