// docs/response.md §9.7–9.12: the travel path (the COM with the gait taken out) and the key times.

/// A frame's phase in a one-shot motion (§9.9).
enum PhaseLabel: Equatable {
    case move, flight, base
}

/// What the travel path step produces for one sample.
struct TravelPath {
    /// The travel path, one ground point per frame.
    let path: Planar
    /// The phase label per frame (all `move` for loops; all `base` below three frames).
    let labels: [PhaseLabel]
    /// The cycle window per frame (§9.7), in frames; empty below three frames.
    let window: [Double]

    /// §9.11.
    init(com: Planar, contacts: Contacts, fps: Double, loop: Bool) {
        let frames = com.count
        if frames < 3 {
            self.path = com
            self.labels = [PhaseLabel](repeating: .base, count: frames)
            self.window = []
            return
        }
        let window = Self.cycleWindow(contacts: contacts, frames: frames, fps: fps, loop: loop)
        self.window = window
        let average = Planar(
            x: Numerics.boxAverage(com.x, widths: window, cyclic: loop),
            y: Numerics.boxAverage(com.y, widths: window, cyclic: loop))
        let (anchor, flight) = Self.supportAnchor(com: com, contacts: contacts)
        if loop {
            self.labels = [PhaseLabel](repeating: .move, count: frames)
            if !Self.replants(contacts) && !flight.contains(true) {
                // On the spot: straight from the first support to the last.
                let u = Numerics.linspace(0, 1, frames)
                let dx = anchor.x[frames - 1] - anchor.x[0]
                let dy = anchor.y[frames - 1] - anchor.y[0]
                self.path = Planar(x: u.map { anchor.x[0] + dx * $0 }, y: u.map { anchor.y[0] + dy * $0 })
            } else {
                self.path = average
            }
            return
        }
        let labels = Self.phaseLabels(com: com, contacts: contacts, anchor: anchor, flight: flight, fps: fps)
        self.labels = labels
        let joined = Self.joinPhases(labels: labels, anchor: anchor, average: average)
        let width = 0.2 * fps
        self.path = Planar(
            x: Numerics.boxAverage(joined.x, width: width, cyclic: false),
            y: Numerics.boxAverage(joined.y, width: width, cyclic: false))
    }

    /// §9.7: per frame, the length of the contact cycle around it (touch-down to touch-down).
    static func cycleWindow(contacts: Contacts, frames: Int, fps: Double, loop: Bool) -> [Double] {
        var middles: [Double] = []
        var lengths: [Double] = []
        for group in ContactGroup.allCases {
            guard let d = contacts.groupMasks[group.rawValue] else { continue }
            var starts = (1..<frames).filter { d[$0] && !d[$0 - 1] }
            if loop && frames > 1 && d[0] && !d[frames - 1] { starts.insert(0, at: 0) }
            var pairs = zip(starts, starts.dropFirst()).map { ($0, $1) }
            if loop, let first = starts.first, let last = starts.last { pairs.append((last, first + frames - 1)) }
            for (a, c) in pairs where Double(c - a) >= 0.25 * fps {
                middles.append(Double(a + c) / 2)
                lengths.append(Double(c - a))
            }
        }
        var window = [Double](repeating: 0.3 * fps, count: frames)
        for t in 0..<frames {
            let near = zip(middles, lengths).filter { ($0.0 - Double(t)).magnitude <= $0.1 / 2 + 1 }.map(\.1)
            if !near.isEmpty { window[t] = min(max(Numerics.median(near), 0.3 * fps), 1.8 * fps) }
        }
        if loop { window = [Double](repeating: Numerics.median(window), count: frames) }
        return window
    }

    /// §9.8: the centroid of whatever is on the ground, and the flight frames (nothing on it).
    /// In flight the anchor is the COM plus an offset interpolated between take-off and landing.
    static func supportAnchor(com: Planar, contacts: Contacts) -> (anchor: Planar, flight: [Bool]) {
        let frames = com.count
        // Per frame, the candidates on the ground summed in table order (candidates outside,
        // frames inside: the same additions in the same order), then averaged; frames with none
        // keep the COM.
        var anchor = com
        var count = [Int](repeating: 0, count: frames)
        for candidate in contacts.candidates {
            let (on, x, y) = (candidate.on, candidate.point.x, candidate.point.y)
            for t in 0..<frames where on[t] {
                anchor.x[t] = count[t] == 0 ? x[t] : anchor.x[t] + x[t]
                anchor.y[t] = count[t] == 0 ? y[t] : anchor.y[t] + y[t]
                count[t] += 1
            }
        }
        var flight = [Bool](repeating: true, count: frames)
        for t in 0..<frames where count[t] > 0 {
            flight[t] = false
            anchor.x[t] /= Double(count[t])
            anchor.y[t] /= Double(count[t])
        }
        let grounded = (0..<frames).filter { !flight[$0] }
        if grounded.isEmpty { return (com, flight) }
        let keys = grounded.map(Double.init)
        let offX = Numerics.interpolateAtFrames(frames, xs: keys, ys: grounded.map { anchor.x[$0] - com.x[$0] })
        let offY = Numerics.interpolateAtFrames(frames, xs: keys, ys: grounded.map { anchor.y[$0] - com.y[$0] })
        return (
            Planar(x: (0..<frames).map { com.x[$0] + offX[$0] }, y: (0..<frames).map { com.y[$0] + offY[$0] }),
            flight
        )
    }

    /// §9.9: frames standing still on an unchanged support for 0.4 s or more are `base`.
    static func phaseLabels(com: Planar, contacts: Contacts, anchor: Planar, flight: [Bool], fps: Double) -> [PhaseLabel] {
        let frames = com.count
        var labels = flight.map { $0 ? PhaseLabel.flight : .move }
        func sameSupport(_ a: Int, _ b: Int) -> Bool { contacts.candidates.allSatisfy { $0.on[a] == $0.on[b] } }
        var i = 0
        while i < frames {
            if flight[i] {
                i += 1
                continue
            }
            var j = i
            while j + 1 < frames && sameSupport(j + 1, i) && !flight[j + 1] { j += 1 }
            let duration = Double(j - i + 1) / fps
            let drift = hypotenuse(anchor.x[j] - anchor.x[i], anchor.y[j] - anchor.y[i])
            let travel = hypotenuse(com.x[j] - com.x[i], com.y[j] - com.y[i])
            if duration >= 0.4 && drift < 0.03 && travel / duration < 0.15 {
                for k in i...j { labels[k] = .base }
            }
            i = j + 1
        }
        return labels
    }

    /// §9.10: does any group put a part down more than 5 cm from where it was last down?
    static func replants(_ contacts: Contacts) -> Bool {
        for group in ContactGroup.allCases {
            var spots: [(Double, Double)] = []
            for candidate in contacts.candidates where candidate.group == group {
                var i = 0
                let on = candidate.on
                while i < on.count {
                    guard on[i] else {
                        i += 1
                        continue
                    }
                    var j = i
                    while j + 1 < on.count && on[j + 1] { j += 1 }
                    var sumX = 0.0
                    var sumY = 0.0
                    for k in i...j {
                        sumX = k == i ? candidate.point.x[k] : sumX + candidate.point.x[k]
                        sumY = k == i ? candidate.point.y[k] : sumY + candidate.point.y[k]
                    }
                    let n = Double(j - i + 1)
                    spots.append((sumX / n, sumY / n))
                    i = j + 1
                }
            }
            for (a, b) in zip(spots, spots.dropFirst()) where hypotenuse(b.0 - a.0, b.1 - a.1) > 0.05 {
                return true
            }
        }
        return false
    }

    /// §9.11 one-shot joining: base runs hold the support's mean, move runs follow the smoothed
    /// COM bent to meet their base neighbours, flight runs go straight across.
    static func joinPhases(labels: [PhaseLabel], anchor: Planar, average: Planar) -> Planar {
        let frames = labels.count
        var runs: [(kind: PhaseLabel, first: Int, last: Int)] = []
        var start = 0
        for t in 1...frames where t == frames || labels[t] != labels[start] {
            runs.append((labels[start], start, t - 1))
            start = t
        }
        var px = [Double](repeating: 0, count: frames)
        var py = [Double](repeating: 0, count: frames)
        var defined = [Bool](repeating: false, count: frames)
        for run in runs where run.kind == .base {
            var sumX = 0.0
            var sumY = 0.0
            for k in run.first...run.last {
                sumX = k == run.first ? anchor.x[k] : sumX + anchor.x[k]
                sumY = k == run.first ? anchor.y[k] : sumY + anchor.y[k]
            }
            let n = Double(run.last - run.first + 1)
            for k in run.first...run.last {
                px[k] = sumX / n
                py[k] = sumY / n
                defined[k] = true
            }
        }
        for run in runs where run.kind == .move {
            let (i, j) = (run.first, run.last)
            let before = i > 0 && defined[i - 1]
            let after = j + 1 < frames && defined[j + 1]
            let ax = before ? px[i - 1] - average.x[i] : 0
            let ay = before ? py[i - 1] - average.y[i] : 0
            let cx = after ? px[j + 1] - average.x[j] : 0
            let cy = after ? py[j + 1] - average.y[j] : 0
            let u = Numerics.linspace(0, 1, j - i + 1)
            for k in i...j {
                px[k] = average.x[k] + ax + (cx - ax) * u[k - i]
                py[k] = average.y[k] + ay + (cy - ay) * u[k - i]
                defined[k] = true
            }
        }
        for run in runs where run.kind == .flight {
            let (i, j) = (run.first, run.last)
            let ax = i > 0 ? px[i - 1] : average.x[i]
            let ay = i > 0 ? py[i - 1] : average.y[i]
            let after = j + 1 < frames && defined[j + 1]
            let cx = after ? px[j + 1] : average.x[j]
            let cy = after ? py[j + 1] : average.y[j]
            let span = Double(j - i + 2)
            for k in i...j {
                let u = Double(k - i + 1) / span
                px[k] = ax + (cx - ax) * u
                py[k] = ay + (cy - ay) * u
            }
        }
        return Planar(x: px, y: py)
    }

    /// §9.12: the event times (0, the end, phase changes) at least 0.15 s apart, then halved
    /// until there are at least six and no gap exceeds 0.25 s. Nil when the motion is shorter
    /// than 0.15 s (fewer than two keys).
    static func keyTimes(labels: [PhaseLabel], times: [Double]) -> [Double]? {
        let end = times[times.count - 1]
        var events = [0, end]
        for i in 1..<times.count where labels[i] != labels[i - 1] { events.append(times[i]) }
        events = Array(Set(events)).sorted()
        var keep = [events[0]]
        for e in events.dropFirst() where e - keep[keep.count - 1] >= 0.15 { keep.append(e) }
        keep[keep.count - 1] = end
        guard keep.count >= 2 else { return nil }
        while true {
            var widest = 0
            for g in 1..<(keep.count - 1) where keep[g + 1] - keep[g] > keep[widest + 1] - keep[widest] { widest = g }
            if keep.count >= 6 && keep[widest + 1] - keep[widest] <= 0.25 { return keep }
            keep.insert((keep[widest] + keep[widest + 1]) / 2, at: widest + 1)
        }
    }
}

/// NORM of a 2-vector, as numpy computes it (no scaling, unlike `hypot`).
func hypotenuse(_ x: Double, _ y: Double) -> Double { (x * x + y * y).squareRoot() }
