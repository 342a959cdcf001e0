set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference-r16/report/figures/table4-loss.svg"
set multiplot layout 1,1 title "Table 4: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "top-1"
plot "docs/results/reference-r16/report/figures/table4-loss-9493f69169ece2ef.dat" using 1:2 with lines lt 1 dt 1 title "logsign(x)", "docs/results/reference-r16/report/figures/table4-loss-23253a57ed1d161a.dat" using 1:2 with lines lt 2 dt 1 title "arcsinh(x)", "docs/results/reference-r16/report/figures/table4-loss-c094744fffcd2db4.dat" using 1:2 with lines lt 3 dt 1 title "logquad(x)"
unset multiplot
