// Two-part printable enclosure for one or two Shelly EM (Gen1) energy meters.
// Part of evse-tui (housing-stl/). Original design for this project.
//
// Regenerate all STL files with ./build.sh.  Pick a part on the command line:
//   openscad -o bottom.stl -D 'part="bottom"' -D devices=2 shelly_em_housing.scad
//
// Coordinates (assembled): z = 0 is the outside of the FRONT face (the "bottom" part's floor, which
// carries the LED window and the button hole).  The "top" part is the back plate that goes against the
// wall or the DIN-rail adapter.  The device pocket starts at x = 0, y = 0, z = wall; the cable end of the
// box is +Y (install with that end pointing down).
// The bottom STL is exported as modelled (it prints floor-down).  The top STL is exported turned over so
// that it prints back-plate-down: a print point (x, y, z) is the assembled point (x, in_y - y, H - z);
// the two numbers are echoed as top_print_flip = [in_y, H].

/* [Part to export] */
part = "bottom";        // [bottom, top, din, pocket, assembly]
devices = 1;            // [1, 2] meters side by side

/* [Device and wall] */
device = [39, 36, 17];  // Shelly EM body: X width, Y length (terminal side towards +Y), Z thickness
clearance = 0.5;        // free space on every side of the body (each of the six faces)
wall = 2.5;             // wall, floor and back thickness, at least 2 mm

/* [Front openings] */
// LED and button centres on the device's front face, measured from its -X/-Y corner.
// These are placeholders: measure your own unit and set them before printing.
led_at = [12, 12];
button_at = [27, 12];
led_d = 3;              // LED window diameter
button_d = 3.5;         // button hole diameter (press with a plastic pin, not a metal one)
led_skin = 0;           // > 0 leaves a thin skin (e.g. 0.6) over the LED instead of an open hole

/* [Wiring] */
wire_space = 22;        // free length between the device and the cable clamp bar
clamp_zone = 8;         // length between the clamp bar and the end wall
bar_t = 3;              // thickness of the cable clamp bar
split_h = 10;           // parting plane (cable axes) above the inner floor
mains_d = 7.5;          // mains cable outer diameter
lead_d = 4;             // current-clamp lead outer diameter
mains_entries = 1;      // one mains cable feeds all meters (split with lever connectors in the wire space)
lead_entries = 2 * devices;  // one per clamp input; set fewer if you use fewer clamps (never leave a hole open)
entry_play = 0.6;       // extra diameter of the holes in the end wall
pinch = 0.6;            // the top half of the clamp bar squeezes each cable by this much

/* [Joining screws: M3 x 12, pan or cheese head, thread-forming into the top's bosses] */
screw_clear_d = 3.4;    // through hole in the bottom's bosses
screw_pilot_d = 2.5;    // pilot hole in the top's bosses (M3 forms its own thread)
screw_head_d = 6.5;     // counterbore for the screw head
screw_len = 12;
boss_d = 10;
lip = 1.5;              // height of the stepped (rabbet) joint
fit = 0.2;              // gap in the rabbet joint

/* [Mounting] */
ear_len = 12;           // wall-mounting ears on the back plate
ear_w = 14;
ear_t = 4;
ear_hole_d = 4.5;       // for 4 mm wood screws, or M3 + washer into the DIN-rail adapter
din_t = 5;              // DIN-rail adapter plate thickness

corner_r = 1.5;
$fn = 40;

// ---------------------------------------------------------------- derived sizes
cell = device + 2 * [clearance, clearance, clearance];   // the free pocket for one meter
div_t = 2;                                               // locating rib between two meters
in_x = devices * cell.x + (devices - 1) * div_t;
bar_y0 = cell.y + wire_space;
in_y = bar_y0 + bar_t + clamp_zone;
in_z = cell.z;
H = in_z + 2 * wall;          // outer height
z_s = wall + split_h;         // parting plane, inner half of the wall
z_o = z_s + lip;              // parting plane, outer half of the wall
lug_off = boss_d / 2 - 1;     // boss centre distance outside the wall face
lug_y = [boss_d / 2 - wall, in_y + wall - boss_d / 2];
ear_y = in_y / 2;
ear_x = [-wall - ear_len / 2 - 0.5, in_x + wall + ear_len / 2 + 0.5];

// Screw: head sits at z = z_o - grip; it passes grip mm of the bottom boss and bites
// screw_len - grip mm into the top boss, whose pilot is screw_len - grip + 1 deep.
grip = 5;
bite = screw_len - grip;
pilot_depth = bite + 1;

assert(wall >= 2, "wall must be at least 2 mm");
assert(devices == 1 || devices == 2, "devices must be 1 or 2");
assert(clearance > 0, "clearance must be positive");
assert(pilot_depth <= H - z_o - 1, "screw too long for the top boss");
assert((mains_d + entry_play) / 2 < split_h && (mains_d + entry_play) / 2 < in_z - split_h,
       "mains cable does not fit the parting plane");
// the front openings must stay covered by the device body wherever it slides within the clearance
for (p = [[led_at, led_d], [button_at, button_d]])
    assert(p[0].x - p[1] / 2 > 2 * clearance + 1 && p[0].x + p[1] / 2 < device.x - 2 * clearance - 1 &&
           p[0].y - p[1] / 2 > 2 * clearance + 1 && p[0].y + p[1] / 2 < device.y - 2 * clearance - 1,
           "LED/button opening too close to the edge of the device face");

echo(top_print_flip = [in_y, H]);
echo(cavity_per_device = cell, inner = [in_x, in_y, in_z], outer = [in_x + 2 * wall, in_y + 2 * wall, H]);

// ---------------------------------------------------------------- helpers
function sum(v, i = 0) = i >= len(v) ? 0 : v[i] + sum(v, i + 1);
entry_d = concat([for (i = [0 : 1 : floor(lead_entries / 2) - 1]) lead_d],
                 [for (i = [0 : 1 : mains_entries - 1]) mains_d],
                 [for (i = [0 : 1 : lead_entries - floor(lead_entries / 2) - 1]) lead_d]);
entry_gap = (in_x - sum(entry_d)) / (len(entry_d) + 1);
function entry_x(i) = entry_gap * (i + 1) + sum([for (k = [0 : 1 : i]) entry_d[k]]) - entry_d[i] / 2;
assert(entry_gap >= 2.5, "cable entries do not fit side by side");

module rounded_rect(p0, p1, r) {
    translate(p0 + [r, r]) offset(r = r) square(p1 - p0 - [2 * r, 2 * r]);
}
module outer2d() { rounded_rect([-wall, -wall], [in_x + wall, in_y + wall], corner_r); }
module inner2d() { square([in_x, in_y]); }
module ring2d(grow_in) {   // wall ring; grow_in > 0 keeps only the outer part of the wall
    difference() { outer2d(); translate([-grow_in, -grow_in]) square([in_x + 2 * grow_in, in_y + 2 * grow_in]); }
}
module lugs2d() {
    for (sx = [0, 1], y = lug_y) {
        cx = sx == 0 ? -wall - lug_off : in_x + wall + lug_off;
        wx = sx == 0 ? -wall - 0.01 : in_x + wall - 1;
        hull() {
            translate([cx, y]) circle(d = boss_d);
            translate([wx, y - boss_d / 2]) square([1.01, boss_d]);
        }
    }
}
function lug_centres() = [for (sx = [0, 1], y = lug_y) [sx == 0 ? -wall - lug_off : in_x + wall + lug_off, y]];
module ears2d() {
    for (sx = [0, 1]) {
        wx = sx == 0 ? -wall - 0.01 : in_x + wall - 1;
        hull() {
            translate([ear_x[sx], ear_y]) circle(d = ear_w);
            translate([wx, ear_y - ear_w / 2]) square([1.01, ear_w]);
        }
    }
}
module slab(z0, z1) { translate([0, 0, z0]) linear_extrude(height = z1 - z0) children(); }
module entry_cuts() {   // cylinders along Y through the end wall, axes on the parting plane
    for (i = [0 : len(entry_d) - 1])
        translate([entry_x(i), in_y - 1, z_s]) rotate([-90, 0, 0])
            cylinder(d = entry_d[i] + entry_play, h = wall + 2);
}
module bar_cuts(d_delta) {     // the same cables through the clamp bar
    for (i = [0 : len(entry_d) - 1])
        translate([entry_x(i), bar_y0 - 1, z_s]) rotate([-90, 0, 0])
            cylinder(d = entry_d[i] + d_delta, h = bar_t + 2);
}

// ---------------------------------------------------------------- parts
module bottom() {
    difference() {
        union() {
            slab(0, wall) outer2d();                                   // front face
            slab(wall - 0.01, z_s) union() { ring2d(0); }              // full walls
            slab(z_s - 0.01, z_o) ring2d(wall / 2);                    // outer half of the rabbet
            slab(0, z_o) lugs2d();                                     // screw bosses
            // clamp bar (lower half): cables rest in its notches
            translate([-0.01, bar_y0, wall - 0.01]) cube([in_x + 0.02, bar_t, z_s - wall + 0.01]);
            // stops that keep each meter out of the wire space, and the rib between two meters
            for (i = [0 : devices - 1]) {
                x0 = i * (cell.x + div_t);
                for (x = [x0, x0 + cell.x - 4])
                    translate([x - (x == x0 ? 0.01 : 0), cell.y, wall - 0.01]) cube([4.01, 2, 4]);
            }
            if (devices == 2)
                translate([cell.x, -0.01, wall - 0.01]) cube([div_t, cell.y + 2.01, 4]);
        }
        entry_cuts();
        bar_cuts(0);
        for (c = lug_centres()) {
            translate([c.x, c.y, -1]) cylinder(d = screw_clear_d, h = z_o + 2);
            translate([c.x, c.y, -1]) cylinder(d = screw_head_d, h = z_o - grip + 1);
        }
        for (i = [0 : devices - 1]) {
            x0 = i * (cell.x + div_t) + clearance;   // device corner when centred in its pocket
            y0 = clearance;
            translate([x0 + led_at.x, y0 + led_at.y, led_skin > 0 ? led_skin : -1])
                cylinder(d = led_d, h = wall + 2);
            translate([x0 + button_at.x, y0 + button_at.y, -1]) cylinder(d = button_d, h = wall + 2);
        }
    }
}

module top_assembled() {
    difference() {
        union() {
            slab(H - wall, H) outer2d();                               // back plate
            slab(H - ear_t, H) ears2d();                               // wall-mounting ears
            slab(z_o, H - wall + 0.01) ring2d(0);                      // full walls
            slab(z_s, z_o + 0.01) difference() {                       // inner half of the rabbet
                translate([-wall / 2 + fit, -wall / 2 + fit])
                    square([in_x + wall - 2 * fit, in_y + wall - 2 * fit]);
                inner2d();
            }
            slab(z_o, H) lugs2d();
            // clamp bar (upper half): presses the cables into the lower notches
            translate([-0.01, bar_y0, z_s]) cube([in_x + 0.02, bar_t, H - wall - z_s + 0.01]);
        }
        entry_cuts();
        bar_cuts(-2 * pinch);
        for (c = lug_centres())
            translate([c.x, c.y, z_o - 1]) cylinder(d = screw_pilot_d, h = pilot_depth + 1);
        for (x = ear_x) translate([x, ear_y, H - ear_t - 1]) cylinder(d = ear_hole_d, h = ear_t + 2);
    }
}

module top() {   // print orientation: back plate on the bed
    translate([0, in_y, H]) rotate([180, 0, 0]) top_assembled();
}

// DIN-rail (TH35) adapter: screwed to the two ears with M3 x 8 screws and washers; rail along X.
// Its fixed hook is at +Y, the sprung latch with the pull tab at -Y (fit the tab towards the cable end).
rail_half = 17.5;
hook_gap = 1.2;     // rail flange (1 mm) plus play
beam_t = 2.2;       // latch beam thickness (flexes in Y)
beam_l = 26;
din_y = rail_half + 0.2 + beam_t;   // half height of the plate
din_x = (ear_x[1] - ear_x[0]) / 2 + ear_w / 2;
module hook_profile() {   // in (y, z); z measured from the plate's rail-side face
    polygon([[rail_half + 0.2, 0], [rail_half + 2.2, 0], [rail_half + 2.2, hook_gap + 1.6],
             [rail_half - 0.7, hook_gap + 1.6], [rail_half - 1.5, hook_gap + 0.8],
             [rail_half - 1.5, hook_gap], [rail_half + 0.2, hook_gap]]);
}
module din() {
    cx = (ear_x[0] + ear_x[1]) / 2;
    difference() {
        union() {
            linear_extrude(height = din_t) difference() {
                translate([-din_x, -din_y]) square([2 * din_x, 2 * din_y]);
                // slots that free the latch beam (fixed at +X end, free at -X end)
                translate([-beam_l / 2 - 1.5, -din_y - 1]) square([1.5, beam_t + 2]);
                translate([-beam_l / 2 - 1.5, -rail_half - 0.2 - 0.01]) square([beam_l + 1.5, 1.2]);
            }
            // fixed hook, +Y
            translate([-15, 0, din_t - 0.01]) rotate([90, 0, 90]) linear_extrude(height = 30) hook_profile();
            // latch hook on the free end of the beam, -Y
            translate([-beam_l / 2, 0, din_t - 0.01]) mirror([0, 1, 0]) rotate([90, 0, 90])
                linear_extrude(height = 10) hook_profile();
            // pull tab
            translate([-beam_l / 2, -din_y - 4, 0]) cube([7, 4.01, din_t]);
        }
        for (x = ear_x) translate([x - cx, 0, -1]) cylinder(d = screw_pilot_d, h = din_t + 2);
    }
}

module pocket() {   // the free space each meter must have (used by the tests, not printed)
    for (i = [0 : devices - 1]) translate([i * (cell.x + div_t), 0, wall]) cube(cell);
}

if (part == "bottom") bottom();
else if (part == "top") top();
else if (part == "din") din();
else if (part == "pocket") pocket();
else if (part == "assembly") {
    bottom();
    color("orange", 0.6) top_assembled();
    color("grey") translate([(ear_x[0] + ear_x[1]) / 2, ear_y, H + din_t]) mirror([0, 0, 1]) din();
}
else assert(false, str("unknown part: ", part));
