set terminal pngcairo size 1240,420
set termoption noenhanced
set output "docs/results/reference/figures/table7-loss.png"
set multiplot layout 1,2 title "Table 7: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "ViT top-1"
plot "docs/results/reference/figures/table7-loss-4d1d14caf0cef162.dat" using 1:2 with lines lt 1 dt 1 title "LayerNorm", "docs/results/reference/figures/table7-loss-6579d61909f325d6.dat" using 1:2 with lines lt 2 dt 1 title "erf(x)", "docs/results/reference/figures/table7-loss-6ffcd15fa6a22214.dat" using 1:2 with lines lt 3 dt 1 title "tanh(x)", "docs/results/reference/figures/table7-loss-b3a29c9a1bb3d2cd.dat" using 1:2 with lines lt 4 dt 1 title "satursin(x)", "docs/results/reference/figures/table7-loss-0a6aeb077f769078.dat" using 1:2 with lines lt 5 dt 1 title "arcsinh_clip(x)", "docs/results/reference/figures/table7-loss-6fe2e8a324179fff.dat" using 1:2 with lines lt 6 dt 1 title "isru(x)", "docs/results/reference/figures/table7-loss-759558d6d5aa044e.dat" using 1:2 with lines lt 7 dt 1 title "exproot(x)", "docs/results/reference/figures/table7-loss-e58fe64f80d6b698.dat" using 1:2 with lines lt 8 dt 1 title "linear_clip(x)", "docs/results/reference/figures/table7-loss-3a6ef9029236bb33.dat" using 1:2 with lines lt 1 dt 2 title "expsign(x)", "docs/results/reference/figures/table7-loss-fc00ea5f925ea061.dat" using 1:2 with lines lt 2 dt 2 title "logsign_clip(x)", "docs/results/reference/figures/table7-loss-9bf4f06cf513e6cb.dat" using 1:2 with lines lt 3 dt 2 title "relsign(x)", "docs/results/reference/figures/table7-loss-4051230bcc5bf3aa.dat" using 1:2 with lines lt 4 dt 2 title "arctan(x)", "docs/results/reference/figures/table7-loss-7e1b79eeafad8623.dat" using 1:2 with lines lt 5 dt 2 title "smoothsign(x)", "docs/results/reference/figures/table7-loss-26f3e6fb076bd577.dat" using 1:2 with lines lt 6 dt 2 title "logquad_clip(x)", "docs/results/reference/figures/table7-loss-eb7aaeb456537464.dat" using 1:2 with lines lt 7 dt 2 title "power23_clip(x)", "docs/results/reference/figures/table7-loss-e49b152342912707.dat" using 1:2 with lines lt 8 dt 2 title "saturlog(x)", "docs/results/reference/figures/table7-loss-6d963cf52cf5b0f7.dat" using 1:2 with lines lt 1 dt 3 title "cubsign(x)"
set title "DiT-B FID"
plot "docs/results/reference/figures/table7-loss-8947ba95628bdcbc.dat" using 1:2 with lines lt 1 dt 1 title "LayerNorm", "docs/results/reference/figures/table7-loss-556dc8d3368c7bb4.dat" using 1:2 with lines lt 2 dt 1 title "erf(x)"
unset multiplot
