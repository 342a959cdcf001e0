set terminal pngcairo size 1240,420
set termoption noenhanced
set output "docs/results/reference/figures/sweep-dit-b-spread-loss.png"
set multiplot layout 1,2 title "Sweep dit-b-spread: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "erf(x)"
plot "docs/results/reference/figures/sweep-dit-b-spread-loss-585b6502e1529671.dat" using 1:2 with lines lt 1 dt 1 title "dit-b, s scalar, lr 0.001", "docs/results/reference/figures/sweep-dit-b-spread-loss-2c77dc426852771e.dat" using 1:2 with lines lt 2 dt 1 title "dit-b, s scalar, lr 0.002", "docs/results/reference/figures/sweep-dit-b-spread-loss-556dc8d3368c7bb4.dat" using 1:2 with lines lt 3 dt 1 title "dit-b, s scalar, lr 0.004"
set title "layernorm"
plot "docs/results/reference/figures/sweep-dit-b-spread-loss-c399d4661195a519.dat" using 1:2 with lines lt 1 dt 1 title "dit-b, s scalar, lr 0.001", "docs/results/reference/figures/sweep-dit-b-spread-loss-58b00754ca8d4686.dat" using 1:2 with lines lt 2 dt 1 title "dit-b, s scalar, lr 0.002", "docs/results/reference/figures/sweep-dit-b-spread-loss-8947ba95628bdcbc.dat" using 1:2 with lines lt 3 dt 1 title "dit-b, s scalar, lr 0.004"
unset multiplot
