// Package replay feeds a recorded SmartStack trace (package trace) through
// the live pipeline's Engine, the same way the live sources are fed: the
// one-shot commands replay as fast as they can (Replayer), the console on
// the trace's own clock with pause, step and speed (Console).
//
// It is a package of its own so that the console's display packages, which
// read frames from package live, never pull in the trace decoders and the
// registry clients they are built on.
package replay
